print("voiced: not built yet")
