-- The four plans every deployment starts with. Idempotent: a plan that exists is left as it is, so
-- operators' edits survive a second run.
-- The price ids and amounts are PLACEHOLDERS: replace them with your Stripe prices (Dashboard →
-- Products), e.g. UPDATE plans SET stripe_monthly_price_id = 'price_…' WHERE name = 'Basic';
-- the amounts then follow your prices through the price.* webhooks.
INSERT INTO plans (name, description, sort_order,
    stripe_monthly_price_id, monthly_unit_amount, monthly_currency, monthly_interval,
    stripe_yearly_price_id, yearly_unit_amount, yearly_currency, yearly_interval)
VALUES
  ('Free', 'Get started at no cost.', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('Basic', 'For individuals who need more.', 2,
    'price_basic_monthly', 500, 'USD', 'month', 'price_basic_yearly', 5000, 'USD', 'year'),
  ('Pro', 'For professionals and small teams.', 3,
    'price_pro_monthly', 1500, 'USD', 'month', 'price_pro_yearly', 15000, 'USD', 'year'),
  ('Premium', 'Everything, with priority support.', 4,
    'price_premium_monthly', 3000, 'USD', 'month', 'price_premium_yearly', 30000, 'USD', 'year')
ON CONFLICT (name) DO NOTHING;
