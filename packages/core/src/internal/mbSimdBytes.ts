// mbSimd.wat compiled by wabt's wat2wasm 1.0.39 (the npm package `wabt`), base64-encoded.
// Regenerate after editing the .wat (from packages/core/src/internal):
//   npx -p wabt@1.0.39 wat2wasm mbSimd.wat -o /tmp/mb.wasm && base64 -w0 /tmp/mb.wasm
// mbSums.test.ts checks that these are the bytes wabt makes of mbSimd.wat, and that the module
// computes what the JavaScript loop computes.
export const MB_SIMD_WASM =
  'AGFzbQEAAAABCQFgBX9/f398AAIPAQNlbnYGbWVtb3J5AgABAwIBAAcJAQVoaW5nZQAACsECAb4CAgJ/CHsgBP0UIQlEAAAAAAAA8D/9FCENIAAgAkEEdGohBQJAA0AgACAFTw0BIAUgAEGAIGogBSAAa0GAIEkbIQb9DAAAAAAAAAAAAAAAAAAAAAAhB/0MAAAAAAAAAAAAAAAAAAAAACEI/QwAAAAAAAAAAAAAAAAAAAAAIQwCQANAIAAgBk8NASAB/V0DAP1fIQogAf1dAwj9XyELIAwgCiAK/fIBIA39SCALIAv98gEgDf1I/VD9UCEMIAcgCSAKIAD9XQMA/V/98gH98QEgDv33Af3wASEHIAggCSALIAD9XQMI/V/98gH98QEgDv33Af3wASEIIABBEGohACABQRBqIQEMAAsLIANEAAAAAAAA+H8gB/0hACAH/SEBoCAI/SEAIAj9IQGgoCAM/VMbOQMAIANBCGohAwwACwsL';
