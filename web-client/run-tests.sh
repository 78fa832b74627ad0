#!/usr/bin/env bash
# Web client: install, lint (ESLint) and format check (Prettier; both fail on drift, `npm run format` fixes the
# latter), build, unit tests, then the browser test against the real stack (needs server/target/parley-server.jar and worker/target/parley-worker.jar,
# MariaDB on 127.0.0.1:3306 and Redis on 127.0.0.1:6379, Chromium at /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")"
npm ci
npm run lint
npm run format:check
npm run build
npm test
npm run test:e2e
