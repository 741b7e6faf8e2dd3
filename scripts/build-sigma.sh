#!/usr/bin/env bash
# Rebuild workbench/static/sigma-graphology.min.js: sigma.js and graphology from the npm registry,
# bundled into one file that the HTML view inlines, so the page opens offline (no CDN).
# Needs node and npm; run from the repository root. The versions are pinned here and in the header.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent sigma@3.0.2 graphology@0.26.0 esbuild@0.28.2
cat > entry.js <<'JS'
import Graph from "graphology";
import Sigma from "sigma";
window.graphology = { Graph };
window.Sigma = Sigma;
JS
npx esbuild entry.js --bundle --minify --format=iife --outfile=bundle.js
out="$OLDPWD/workbench/static/sigma-graphology.min.js"
{
  echo "/*! sigma 3.0.2 (MIT, (C) 2013-2025 Alexis Jacomy, Guillaume Plique, Benoît Simard, https://www.sigmajs.org) and graphology 0.26.0 (MIT, (C) 2016-2021 Guillaume Plique), bundled with esbuild 0.28.2 by scripts/build-sigma.sh: exposes window.Sigma and window.graphology.Graph */"
  cat bundle.js
} > "$out"
echo "wrote $out"
