CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`actor_id` integer,
	`actor_username` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` integer NOT NULL,
	`before` text,
	`after` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`actor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `audit_log_target_idx` ON `audit_log` (`target_type`,`target_id`,`id`);--> statement-breakpoint
ALTER TABLE `users` ADD `plan_set_by_hand_at` integer;--> statement-breakpoint
CREATE INDEX `users_date_joined_idx` ON `users` (`date_joined`);--> statement-breakpoint
CREATE INDEX `users_last_login_idx` ON `users` (`last_login`);--> statement-breakpoint
CREATE INDEX `users_plan_id_idx` ON `users` (`plan_id`);--> statement-breakpoint
CREATE INDEX `outbox_status_idx` ON `outbox` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_recipient_idx` ON `outbox` (lower("recipient"));--> statement-breakpoint
CREATE INDEX `stripe_events_received_at_idx` ON `stripe_events` (`received_at`);