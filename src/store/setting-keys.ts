/**
 * Keys of the store's small key/value settings (`Store.getSetting`), in one place so the bot
 * and the scripts read the same rows.
 */

/** The bot's own token, sealed with TOKEN_ENCRYPTION_KEY (purpose `bot-token`). */
export const SETTING_BOT_TOKEN = 'bot.token';
/** The generated WebHook verification token, sealed (purpose `webhook-verification-token`). */
export const SETTING_VERIFICATION_TOKEN = 'webhook.verification-token';
/** `{id, tokenHash}`: the WebHook subscription we created and the SHA-256 (hex) of the verification token it carries. */
export const SETTING_WEBHOOK_SUBSCRIPTION = 'webhook.subscription';
/** Demo mode only: the generated token encryption key (base64). */
export const SETTING_ENCRYPTION_KEY = 'demo.token-encryption-key';
/** ms since epoch of the bot's first catch-up: posts older than this are never answered late (events/catch-up.ts). */
export const SETTING_CATCH_UP_FLOOR = 'catch-up.floor';
