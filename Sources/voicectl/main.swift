print("voicectl: not built yet")
