# syntax=docker/dockerfile:1
# escape=`
# check=skip=all
FROM mcr.microsoft.com/windows/servercore:ltsc2022
COPY C:\src\ C:\app\
RUN powershell -Command `
    Write-Host hello; `
    # a comment inside`
    Write-Host bye
WORKDIR C:\app\
