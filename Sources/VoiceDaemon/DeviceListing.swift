import VoiceALSA
import VoiceControl

/// `voicectl devices`: ALSA's PCMs and cards, in the control protocol's shape.
enum DeviceListing {
    static func current() -> DeviceList {
        let alsa = ALSADeviceList.list()
        return DeviceList(
            cards: alsa.cards.map {
                DeviceList.Card(index: $0.index, id: $0.id, name: $0.longName.isEmpty ? $0.name : $0.longName)
            },
            pcms: alsa.pcms.map {
                DeviceList.PCM(
                    name: $0.name,
                    description: $0.description,
                    capture: $0.direction != "playback",
                    playback: $0.direction != "capture"
                )
            }
        )
    }
}
