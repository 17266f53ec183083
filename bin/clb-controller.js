#!/usr/bin/env node
// The package's command: the compiled CLI (npm ci runs `prepare`, which builds dist/).
import '../dist/src/cli/main.js';
