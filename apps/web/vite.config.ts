import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API server (apps/server) listens on 3000 by default; in development Vite serves the SPA
// and forwards the API to it, WebSocket included, so the browser sees one origin as in production.
const api = process.env.OGENT_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/trpc': { target: api, ws: true },
      '/api': { target: api },
    },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
  },
});
