# Multi-stage build of the mcfp binary. Untested on the development machines (no Docker engine there).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY templates templates
RUN cargo build --release --locked && strip target/release/mcfp

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/mcfp --create-home mcfp
COPY --from=build /src/target/release/mcfp /usr/local/bin/mcfp
USER mcfp
WORKDIR /var/lib/mcfp
ENV MCFP_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["mcfp"]
CMD ["serve"]
