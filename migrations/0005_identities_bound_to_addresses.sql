ALTER TABLE `one_time_tokens` ADD `email` text;--> statement-breakpoint
ALTER TABLE `users` ADD `username_key` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `pending_email` text;--> statement-breakpoint
-- Existing rows: the key is the lower-cased username (SQLite folds ASCII only; the app writes the full
-- NFKC + Unicode key from now on). A username that collides case-insensitively with an older one keeps
-- working under `<username>-<id>` (the older account keeps the name), so the unique index can be built.
UPDATE `users` SET `username_key` = lower(`username`);--> statement-breakpoint
UPDATE `users` SET `username` = `username` || '-' || `id`, `username_key` = lower(`username` || '-' || `id`)
  WHERE `id` NOT IN (SELECT min(`id`) FROM `users` GROUP BY `username_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_key_unique` ON `users` (`username_key`);
