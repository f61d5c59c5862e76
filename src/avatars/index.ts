/** The avatar pipeline: any attached photo → a small, upright, private profile image. */
export {
  processAvatar,
  closeAvatarWorkers,
  configureAvatarWorkers,
  warmAvatarWorkers,
  avatarPipelineStats,
  AvatarError,
  AvatarWorkerError,
  AvatarQueueFullError,
  type AvatarOptions,
  type AvatarResult,
  type AvatarErrorKind,
  type ImageEngineName,
} from './process-avatar.ts';
export type { AvatarWorkerSettings, AvatarPipelineStats } from './worker-pool.ts';
export type { AvatarErrorStage } from './avatar-error.ts';
export { availableEngines, selectEngine } from './select-engine.ts';
export { AVATAR_DEFAULTS, LARGEST_SCALE_SIZE, avatarSide } from './avatar-plan.ts';
export { inspectImageHeader, sniffImageFormat, type ImageHeader } from './inspect-header.ts';
