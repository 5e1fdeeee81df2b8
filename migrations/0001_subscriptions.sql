CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`outcome` text NOT NULL,
	`created_at` integer NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `plans` ADD `stripe_monthly_price_id` text;--> statement-breakpoint
ALTER TABLE `plans` ADD `monthly_unit_amount` integer;--> statement-breakpoint
ALTER TABLE `plans` ADD `monthly_currency` text;--> statement-breakpoint
ALTER TABLE `plans` ADD `monthly_interval` text;--> statement-breakpoint
ALTER TABLE `plans` ADD `stripe_yearly_price_id` text;--> statement-breakpoint
ALTER TABLE `plans` ADD `yearly_unit_amount` integer;--> statement-breakpoint
ALTER TABLE `plans` ADD `yearly_currency` text;--> statement-breakpoint
ALTER TABLE `plans` ADD `yearly_interval` text;--> statement-breakpoint
CREATE UNIQUE INDEX `plans_stripe_monthly_price_id_unique` ON `plans` (`stripe_monthly_price_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `plans_stripe_yearly_price_id_unique` ON `plans` (`stripe_yearly_price_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `subscription_event_at` integer;--> statement-breakpoint
CREATE INDEX `users_stripe_customer_id_idx` ON `users` (`stripe_customer_id`);--> statement-breakpoint
CREATE INDEX `users_stripe_subscription_id_idx` ON `users` (`stripe_subscription_id`);