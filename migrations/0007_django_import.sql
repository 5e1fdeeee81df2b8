CREATE TABLE `linked_identities` (
	`user_id` integer NOT NULL,
	`provider` text NOT NULL,
	`uid` text NOT NULL,
	PRIMARY KEY(`provider`, `uid`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `linked_identities_user_idx` ON `linked_identities` (`user_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `import_digest` text;--> statement-breakpoint
ALTER TABLE `users` ADD `imported_password_hash` text;