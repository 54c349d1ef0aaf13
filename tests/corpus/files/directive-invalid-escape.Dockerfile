# escape=!
FROM alpine
