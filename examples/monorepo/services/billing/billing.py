import requests

print(f"billing worker ready (requests {requests.__version__})")
