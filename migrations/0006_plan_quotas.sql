CREATE TABLE `plan_quotas` (
	`plan_id` integer NOT NULL,
	`scope` text NOT NULL,
	`limit` integer NOT NULL,
	`window_seconds` integer NOT NULL,
	PRIMARY KEY(`plan_id`, `scope`),
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `plan_quotas_scope_idx` ON `plan_quotas` (`scope`);