/// How long a test waits, in real time, for something that must happen before it reports a failure.
///
/// Generous on purpose. The whole suite runs at once on two cores, and in its first seconds hundreds of tests
/// start together: a loopback handshake that takes milliseconds alone took 13 s there, so the 10 s bounds the
/// tests had failed now and then (a realtime session not ready, a control socket line not read). A passing test
/// never waits this long, since every wait ends as soon as its condition holds, so only a failing run pays for
/// it. Waits that check that something does *not* happen keep their own short windows.
public let mustHappenWithin: Duration = .seconds(60)
