def handle(message: str) -> str:
    return f"pong: {message}"
