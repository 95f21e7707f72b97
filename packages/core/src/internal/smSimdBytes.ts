// smSimd.wat compiled by wabt's wat2wasm 1.0.39 (the npm package `wabt`), base64-encoded.
// Regenerate after editing the .wat (from packages/core/src/internal):
//   npx -p wabt@1.0.39 wat2wasm smSimd.wat -o /tmp/sm.wasm && base64 -w0 /tmp/sm.wasm
// smSimd.test.ts checks that these are the bytes wabt makes of smSimd.wat, and that the module
// computes what the JavaScript loop computes.
export const SM_SIMD_WASM =
  'AGFzbQEAAAABCAFgBH9/f38AAg8BA2VudgZtZW1vcnkCAAEDAgEABwgBBHN1bXMAAArMAwHJAwIEfw97QQD9AAQAIRFBAP0ABBAhEkEA/QAEICETQQD9AAQwIRRBAP0ABEAhFf0MAAAAAAAAAAAAAAAAAAAAACEWIAAgAkEDdGohBAJAA0AgACAETw0BIAQgAEGAIGogBCAAa0GAIEkbIQX9DAAAAAAAAAAAAAAAAAAAAAAhDv0MAAAAAAAAAAAAAAAAAAAAACEPAkADQCAAIAVPDQEgAf1dAwD9XyAA/V0DAP1f/fIB/e0BIQggCP3sASEJIA8gCSAV/Ur9UCEPIAkgEf3yASAS/fABIQogCSAKIBL98QEgE/3yAf3xASELIAsgC/3yASEMIAogFP1OQQb9ywEhDSAN/RsAIQYgDf0bAiEHIAcgBv1dA5AC/VcDkAIBIAsgByAG/V0DmAL9VwOYAgH98gH98AEgDCAHIAb9XQOgAv1XA6ACAf3yAf3wASEQIA4gFiAI/fcBIAcgBv1dA4AC/VcDgAIBIAsgByAG/V0DiAL9VwOIAgH98gEgDCAQ/fIB/fAB/fAB/fAB/fABIQ4gAEEIaiEAIAFBCGohAQwACwsgA0QAAAAAAAD4fyAO/SEAIA79IQGgIA/9Uxs5AwAgA0EIaiEDDAALCws=';
