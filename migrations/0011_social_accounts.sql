-- Linked identities get an id of their own (the API's social account id), when they were linked and
-- their last sign-in. SQLite cannot add a primary key to a table: it is rebuilt, keeping every row.
CREATE TABLE `__new_linked_identities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`provider` text NOT NULL,
	`uid` text NOT NULL,
	`date_joined` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_login` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_linked_identities`("user_id", "provider", "uid") SELECT "user_id", "provider", "uid" FROM `linked_identities` ORDER BY rowid;--> statement-breakpoint
DROP TABLE `linked_identities`;--> statement-breakpoint
ALTER TABLE `__new_linked_identities` RENAME TO `linked_identities`;--> statement-breakpoint
CREATE UNIQUE INDEX `linked_identities_provider_uid_unique` ON `linked_identities` (`provider`,`uid`);--> statement-breakpoint
CREATE INDEX `linked_identities_user_idx` ON `linked_identities` (`user_id`);
