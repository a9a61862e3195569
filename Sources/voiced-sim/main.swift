print("voiced-sim: not built yet")
