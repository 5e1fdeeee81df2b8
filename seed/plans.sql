-- The four plans every deployment starts with. Idempotent: existing rows (and any edits an
-- operator made to them) are kept.
INSERT INTO plans (name, description, sort_order) VALUES
  ('Free', 'Get started at no cost.', 1),
  ('Basic', 'For individuals who need more.', 2),
  ('Pro', 'For professionals and small teams.', 3),
  ('Premium', 'Everything, with priority support.', 4)
ON CONFLICT (name) DO NOTHING;
