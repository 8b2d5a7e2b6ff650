print("startup: local data is ready")
