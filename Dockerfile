# One image for every process of the project: `docker run <image> worker --queue data`, `… up`, `… data check`.
# TypeScript runs through tsx (bin/mlops.js), so the image holds the sources and has no build step.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so source edits reuse this layer. .npmrc skips onnxruntime-node's CUDA download.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# State folder (artifacts, registry): a volume in docker-compose.yml, owned by the unprivileged `node` user.
ENV MLOPS_HOME=/var/lib/mlops
RUN mkdir -p /var/lib/mlops && chown node:node /var/lib/mlops
USER node

ENTRYPOINT ["node", "bin/mlops.js"]
CMD ["--help"]
