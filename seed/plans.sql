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

-- Each plan's quotas, the Django service's: AI answers and questionnaires a day, API calls an hour.
-- Idempotent too: a quota that exists keeps its (possibly edited) limit.
INSERT INTO plan_quotas (plan_id, scope, "limit", window_seconds)
SELECT plans.id, quota.column2, quota.column3, quota.column4
FROM (VALUES
  ('Free', 'ai_responses', 3, 86400), ('Free', 'questionnaires', 5, 86400), ('Free', 'api_calls', 100, 3600),
  ('Basic', 'ai_responses', 20, 86400), ('Basic', 'questionnaires', 50, 86400), ('Basic', 'api_calls', 300, 3600),
  ('Pro', 'ai_responses', 100, 86400), ('Pro', 'questionnaires', 200, 86400), ('Pro', 'api_calls', 600, 3600),
  ('Premium', 'ai_responses', 1000, 86400), ('Premium', 'questionnaires', 1000, 86400),
  ('Premium', 'api_calls', 1200, 3600)
) AS quota
JOIN plans ON plans.name = quota.column1
WHERE true
ON CONFLICT (plan_id, scope) DO NOTHING;
