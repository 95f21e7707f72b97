// smSimd.wat compiled by wabt's wat2wasm 1.0.39 (the npm package `wabt`), base64-encoded.
// Regenerate after editing the .wat (from packages/core/src/internal):
//   npx -p wabt@1.0.39 wat2wasm smSimd.wat -o /tmp/sm.wasm && base64 -w0 /tmp/sm.wasm
// smSimd.test.ts checks that these are the bytes wabt makes of smSimd.wat, and that the module
// computes what the JavaScript loop computes.
export const SM_SIMD_WASM =
  'AGFzbQEAAAABCAFgBH9/f38AAg8BA2VudgZtZW1vcnkCAAEDAgEABwgBBHN1bXMAAArCAwG/AwIEfw17QQD9AAQAIRFBAP0ABBAhEkEA/QAEICETQQD9AARAIRQgACACQQN0aiEEAkADQCAAIARPDQEgBCAAQYAgaiAEIABrQYAgSRshBf0MAAAAAAAAAAAAAAAAAAAAACEO/QwAAAAAAAAAAAAAAAAAAAAAIQ8CQANAIAAgBU8NASAUIAH9XQMA/V8gAP1dAwD9X/3yAf1RIQggCCAU/U8gEf3yASEJIA8gCf33ASEPIAkgEv3wASEKIAkgCiAS/fEB/fEBIQsgCyAL/fIBIQwgCiAT/U5BBv3LASENIA39GwAhBiAN/RsCIQcgByAG/V0DkAL9VwOQAgEgCyAHIAb9XQOYAv1XA5gCAf3yAf3wASAMIAcgBv1dA6AC/VcDoAIB/fIB/fABIRAgDv0MAAAAAAAAAAAAAAAAAAAAACAI/fcBIAcgBv1dA4AC/VcDgAIBIAsgByAG/V0DiAL9VwOIAgH98gEgDCAQ/fIB/fAB/fAB/fAB/fABIQ4gAEEIaiEAIAFBCGohAQwACwsgA0QAAAAAAAD4fyAO/SEAIA79IQGgIA9BAP0ABDD9Sv1TGzkDACADQQhqIQMMAAsLCw==';
