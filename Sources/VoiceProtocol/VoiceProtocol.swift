// VoiceProtocol: typed models of the xAI Grok realtime voice protocol (../shared/reference/realtime-protocol.md),
// Foundation only. ClientEvent / ServerEvent cover every event of reference §3; RealtimeCoding turns them into
// JSON text and back in both directions (the daemon's client and the local simulator share them);
// SessionConfiguration is the `session` object; AudioPayload converts PCM16 samples to and from base64.
