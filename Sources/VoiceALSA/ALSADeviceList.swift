import CALSA
import Glibc

/// What ALSA offers on this machine, for `voicectl devices`: the PCM names a config can use and the
/// sound cards with their PCM devices.
public struct ALSADeviceList: Sendable, Equatable, Codable {
    /// A PCM name from ALSA's configuration (`default`, `dmix:CARD=…`, `pulse`, …).
    public struct PCM: Sendable, Equatable, Codable {
        /// The name to put in `audio.capture_device` / `audio.playback_device`.
        public var name: String
        /// ALSA's description, lines joined with " — ".
        public var description: String
        /// "capture", "playback", or "both".
        public var direction: String
    }

    /// A PCM device on a card, opened as `plughw:CARD=<card id>,DEV=<device>`.
    public struct CardDevice: Sendable, Equatable, Codable {
        public var device: Int
        public var name: String
        public var canCapture: Bool
        public var canPlay: Bool
        /// The suggested ALSA name (converts format and channels, keeps the device's rate choice).
        public var alsaName: String
    }

    /// A sound card (`snd_card_next` / `snd_ctl_card_info`).
    public struct Card: Sendable, Equatable, Codable {
        public var index: Int
        public var id: String
        public var name: String
        public var longName: String
        public var devices: [CardDevice]
    }

    public var pcms: [PCM]
    public var cards: [Card]

    public init(pcms: [PCM], cards: [Card]) {
        self.pcms = pcms
        self.cards = cards
    }

    /// Asks libasound. Uses the system configuration (`ALSA_CONFIG_PATH` if set); never fails: an
    /// empty list is an answer (no cards, or no configuration).
    public static func list() -> ALSADeviceList {
        ALSALibrary.silenceErrorOutput()
        return ALSADeviceList(pcms: pcmHints(), cards: soundCards())
    }

    /// PCM names with hints. The corresponding C function is `snd_device_name_hint`.
    static func pcmHints() -> [PCM] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) == 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var result: [PCM] = []
        var cursor = hints
        while let hint = cursor.pointee {
            defer { cursor += 1 }
            guard let name = hintValue(hint, "NAME") else { continue }
            let description =
                hintValue(hint, "DESC")?
                .split(separator: "\n").map { $0.trimmingSpaces() }.joined(separator: " — ") ?? ""
            let direction: String
            switch hintValue(hint, "IOID") {
            case "Input": direction = "capture"
            case "Output": direction = "playback"
            default: direction = "both"
            }
            result.append(PCM(name: name, description: description, direction: direction))
        }
        return result
    }

    private static func hintValue(_ hint: UnsafeMutableRawPointer, _ key: String) -> String? {
        guard let value = snd_device_name_get_hint(hint, key) else { return nil }
        defer { free(value) }
        return String(cString: value)
    }

    /// Cards and their PCM devices. The corresponding C functions are `snd_card_next`,
    /// `snd_ctl_card_info` and `snd_ctl_pcm_next_device`.
    static func soundCards() -> [Card] {
        var cards: [Card] = []
        var index: Int32 = -1
        while snd_card_next(&index) == 0, index >= 0 {
            var control: OpaquePointer?
            guard snd_ctl_open(&control, "hw:\(index)", 0) == 0, let control else { continue }
            defer { snd_ctl_close(control) }
            var info: OpaquePointer?
            guard snd_ctl_card_info_malloc(&info) == 0, let info else { continue }
            defer { snd_ctl_card_info_free(info) }
            guard snd_ctl_card_info(control, info) == 0 else { continue }
            let id = String(cString: snd_ctl_card_info_get_id(info))
            cards.append(
                Card(
                    index: Int(index), id: id, name: String(cString: snd_ctl_card_info_get_name(info)),
                    longName: String(cString: snd_ctl_card_info_get_longname(info)),
                    devices: devices(on: control, cardID: id)
                )
            )
        }
        return cards
    }

    private static func devices(on control: OpaquePointer, cardID: String) -> [CardDevice] {
        var info: OpaquePointer?
        guard snd_pcm_info_malloc(&info) == 0, let info else { return [] }
        defer { snd_pcm_info_free(info) }
        var devices: [CardDevice] = []
        var device: Int32 = -1
        while snd_ctl_pcm_next_device(control, &device) == 0, device >= 0 {
            var name = ""
            var streams: [Bool] = []
            for stream in [SND_PCM_STREAM_CAPTURE, SND_PCM_STREAM_PLAYBACK] {
                snd_pcm_info_set_device(info, UInt32(device))
                snd_pcm_info_set_subdevice(info, 0)
                snd_pcm_info_set_stream(info, stream)
                let available = snd_ctl_pcm_info(control, info) == 0
                if available, name.isEmpty { name = String(cString: snd_pcm_info_get_name(info)) }
                streams.append(available)
            }
            devices.append(
                CardDevice(
                    device: Int(device), name: name, canCapture: streams[0], canPlay: streams[1],
                    alsaName: "plughw:CARD=\(cardID),DEV=\(device)"
                )
            )
        }
        return devices
    }
}

extension ALSADeviceList: CustomStringConvertible {
    /// The listing as `voicectl devices` prints it.
    public var description: String {
        var lines: [String] = []
        lines.append("Sound cards:")
        if cards.isEmpty {
            lines.append("  (none found: no sound card driver, or no permission — is your user in group audio?)")
        }
        for card in cards {
            lines.append("  \(card.index): \(card.id) — \(card.longName)")
            for device in card.devices {
                let what = [device.canCapture ? "capture" : nil, device.canPlay ? "playback" : nil]
                    .compactMap { $0 }.joined(separator: " + ")
                lines.append("     \(device.alsaName)  \(device.name) (\(what))")
            }
        }
        lines.append("PCM names (audio.capture_device / audio.playback_device):")
        if pcms.isEmpty { lines.append("  (none)") }
        for pcm in pcms {
            let direction = pcm.direction == "both" ? "" : " [\(pcm.direction) only]"
            lines.append("  \(pcm.name)\(direction)")
            if !pcm.description.isEmpty { lines.append("      \(pcm.description)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
