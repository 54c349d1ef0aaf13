from alpine as base
Run echo mixed
rUn echo mixed
copy . /app
Env a=1
healthcheck cmd ["x"]
Cmd ["y"]
