print("voiced: being assembled")
