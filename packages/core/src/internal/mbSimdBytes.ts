// mbSimd.wat compiled by wabt's wat2wasm 1.0.39 (the npm package `wabt`), base64-encoded.
// Regenerate after editing the .wat (from packages/core/src/internal):
//   npx -p wabt@1.0.39 wat2wasm mbSimd.wat -o /tmp/mb.wasm && base64 -w0 /tmp/mb.wasm
// mbSums.test.ts checks that these are the bytes wabt makes of mbSimd.wat, and that the module
// computes what the JavaScript loop computes.
export const MB_SIMD_WASM =
  'AGFzbQEAAAABCQFgBX9/f398AAIPAQNlbnYGbWVtb3J5AgABAwIBAAcJAQVoaW5nZQAACsoCAccCAgJ/CnsgBP0UIQlB/////wf9ESEOQYCAgIB4/REhEEGAgID8A/0RIQ8gACACQQR0aiEFAkADQCAAIAVPDQEgBSAAQYAgaiAFIABrQYAgSRshBv0MAAAAAAAAAAAAAAAAAAAAACEH/QwAAAAAAAAAAAAAAAAAAAAAIQj9DAAAAAAAAAAAAAAAAAAAAAAhDAJAA0AgACAGTw0BIAH9AAQAIQogDCAKIA79TiAP/Tj9UCEMIAD9AAQAIAogEP1O/VEhCyAHIAkgC/1f/fEBIA399wH98AEhByAIIAkgCyAL/Q0ICQoLDA0ODwgJCgsMDQ4P/V/98QEgDf33Af3wASEIIABBEGohACABQRBqIQEMAAsLIANEAAAAAAAA+H8gB/0hACAH/SEBoCAI/SEAIAj9IQGgoCAM/VMbOQMAIANBCGohAwwACwsL';
