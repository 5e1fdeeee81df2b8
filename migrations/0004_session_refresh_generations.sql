ALTER TABLE `sessions` ADD `refresh_generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_rotated_at` integer;--> statement-breakpoint
ALTER TABLE `sessions` DROP COLUMN `refresh_jti_hash`;