-- Sessions keep the hash of their current refresh token; the per-token table goes. Sessions from
-- before cannot be continued without it: they end here (their users sign in again).
DELETE FROM `sessions`;--> statement-breakpoint
DROP TABLE `refresh_tokens`;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_jti_hash` text NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_expires_at` integer NOT NULL;
