from app.handlers import handle

print(handle("ping"))
