FROM alpine
LABEL only
