import Testing

@testable import VoiceALSA

@Suite struct ALSADeviceListTests {
    @Test func listsThePCMsOfTheSystemConfiguration() {
        let list = ALSADeviceList.list()
        // alsa.conf always defines `null` with a hint; this machine may have no cards at all.
        let null = list.pcms.first { $0.name == "null" }
        #expect(null != nil)
        #expect(null?.description.isEmpty == false)
        #expect(list.pcms.allSatisfy { ["capture", "playback", "both"].contains($0.direction) })
        for card in list.cards {
            #expect(card.devices.allSatisfy { $0.alsaName.hasPrefix("plughw:CARD=\(card.id),DEV=") })
        }
        #expect(list.description.contains("null"))
        #expect(list.description.contains("Sound cards:"))
    }

    @Test func describesCardsAndPCMsForPeople() {
        let list = ALSADeviceList(
            pcms: [
                .init(
                    name: "dsnoop:CARD=seeed2micvoicec", description: "Direct sample snooping device",
                    direction: "capture")
            ],
            cards: [
                .init(
                    index: 1, id: "seeed2micvoicec", name: "seeed-2mic", longName: "seeed-2mic-voicecard",
                    devices: [
                        .init(
                            device: 0, name: "bcm2835-i2s-wm8960-hifi", canCapture: true, canPlay: true,
                            alsaName: "plughw:CARD=seeed2micvoicec,DEV=0")
                    ]
                )
            ]
        )
        let text = list.description
        #expect(text.contains("1: seeed2micvoicec — seeed-2mic-voicecard"))
        #expect(text.contains("plughw:CARD=seeed2micvoicec,DEV=0  bcm2835-i2s-wm8960-hifi (capture + playback)"))
        #expect(text.contains("dsnoop:CARD=seeed2micvoicec [capture only]"))
    }
}
