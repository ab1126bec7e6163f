/** protocol/: the model package format (SPEC §1), signing keys and the flash layout (SPEC §2). */
export {
  HEADER_SIZE, SIGNATURE_SIZE, FORMAT_VERSION, MAGIC, FILE_CAPACITY, FLAG_HAS_SELFTEST, PKG_ERROR_NUMBERS,
  isPackageErrorCode, imageSizeFor, alignUp, toHex, OFF as HEADER_OFFSETS, type PackageErrorCode,
} from './package/format.ts';
export { crc32Mpeg2, crc32WordOrder } from './package/crc.ts';
export {
  decodeHeader, encodeHeader, headerToJson, headerCrc, sealHeader, isValidName, parseVersion, formatVersion, versionNumber, compareVersions,
  type PackageHeader, type HeaderFields, type SemVer,
} from './package/header.ts';
export {
  encodeSelfTest, decodeSelfTest, deriveSelfTest, selftestSize, SELFTEST_MAX_COUNT,
  type SelfTest, type SelfTestVector, type Rounding, type Int8Model,
} from './package/selftest.ts';
export {
  keyId, rawPublicKey, loadPrivateKey, loadPublicKey, readPrivateKeyFile, readPublicKeyFile, publicKeyFromRaw, trustedKeyFrom,
  generateSigningKey, writeKeyPair, type TrustedKey, type GeneratedKeyPair,
} from './package/keys.ts';
export { buildPackage, assemblePackage, sealBody, signImage, type BuildInput, type AssembleInput } from './package/build.ts';
export { parsePackage, type ParsedPackage, type ParseOptions } from './package/parse.ts';
export {
  verifyPackage, inspectPackage, checkIntegrity, checkSignature,
  type VerifiedPackage, type InspectedPackage, type VerifyOptions, type SignatureStatus,
} from './package/verify.ts';
export { layouts, packageCapacity, parseLayout, isBoard, BOARDS, type Board, type BoardLayout, type Region } from './layout.ts';
export { writeFileAtomic, readInputFile } from '../common/files.ts';
