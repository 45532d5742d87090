// `npm run example:web`: the trader web app on http://127.0.0.1:5173 against the API at CS_API_URL
// (default http://127.0.0.1:3000). The API must list this origin in CORS_ORIGINS.
// The SDK is imported as partners get it: the package's browser build (sdk/dist/index.browser.js,
// chosen by the `browser` export condition), which `npm run example:web` builds first.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  define: { __API_URL__: JSON.stringify(process.env.CS_API_URL ?? 'http://127.0.0.1:3000') },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true },
  clearScreen: false,
});
