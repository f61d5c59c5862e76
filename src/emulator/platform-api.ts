import type Koa from 'koa';
import type { EmulatorState } from './emulator-state.ts';
import type { CloseHook } from './create-emulator.ts';

export interface PlatformApiOptions {
  seed?: { users?: number; withPhotoRatio?: number };
  onClose: (hook: CloseHook) => void;
}

/**
 * Mounts, in this order: request recording, fault injection, authentication, rate limits,
 * then OAuth, extensions, profile images and the `/_emulator` control routes.
 * (Placeholder: the platform part of the emulator is being built.)
 */
export function mountPlatformApi(app: Koa, state: EmulatorState, options: PlatformApiOptions): void {
  void app;
  void state;
  void options;
}
