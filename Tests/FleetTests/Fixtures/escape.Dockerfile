# escape=`
ARG BASE=mcr.microsoft.com/windows/servercore
ARG TAG=ltsc2022
FROM ${BASE}:${TAG} AS build
RUN echo hello `
    world
COPY --from=mcr.microsoft.com/powershell:7.4 `
    C:\ps C:\ps
FROM build
