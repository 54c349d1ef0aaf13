import http.server

http.server.HTTPServer(("", 9000), http.server.SimpleHTTPRequestHandler).serve_forever()
