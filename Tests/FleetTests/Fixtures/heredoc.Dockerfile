ARG PY
FROM alpine:3.19 AS base
RUN <<EOF
# a comment right after the heredoc start
FROM not-an-image:1
EOF
RUN <<-EOT bash
	FROM also-not-an-image
	EOT
RUN --mount=type=bind,from=golang:1.22.3,source=/usr/local/go,target=/go \
    # comment inside a continuation
    ls /go
FROM --platform=$BUILDPLATFORM ${REGISTRY:-docker.io}/library/python:${PY:-3.12.4}-slim
FROM $UNSET_IMAGE
COPY --from=base /x /x
COPY --from=0 /x /x
# tailguard:ignore[untagged] reviewed: base refreshed nightly
FROM ubuntu
# tailguard:ignore[latest] fixture
FROM debian:latest
FROM node:lts
