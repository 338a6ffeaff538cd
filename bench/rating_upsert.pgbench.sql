-- The statements of ratings.services.rating_upsert in one transaction, for pgbench: how many ratings/s
-- PostgreSQL alone takes (docs/scaling.md). Movies drawn Zipf-popular, so hot rows contend as they do.
-- On a migrated database with users 1..160000 and movies 1..59047 (and some ratings), e.g.:
--   INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
--     is_active, date_joined) SELECT '!', false, 'u' || g, '', '', '', false, true, now()
--     FROM generate_series(1, 160000) g;
--   INSERT INTO catalog_movie (movielens_id, title, year, imdb_id, tags, overview, poster_path,
--     rating_count, rating_sum) SELECT g, 'Movie ' || g, 1990, '', '[]', '', '', 0, 0
--     FROM generate_series(1, 59047) g;
--   INSERT INTO ratings_rating (user_id, movie_id, score, rated_at) SELECT 1 + (random() * 159999)::int,
--     1 + (random() * 59046)::int, 0.5 * (1 + (random() * 9)::int), now()
--     FROM generate_series(1, 5000000) ON CONFLICT DO NOTHING;
-- then: pgbench -n -f bench/rating_upsert.pgbench.sql -c 8 -j 2 -T 20 DBNAME
\set u random(1, 160000)
\set m random_zipfian(1, 59047, 1.1)
\set s random(1, 10)
BEGIN;
SELECT id, score FROM ratings_rating WHERE user_id = :u AND movie_id = :m FOR UPDATE;
INSERT INTO ratings_rating (user_id, movie_id, score, rated_at) VALUES (:u, :m, :s * 0.5, now())
  ON CONFLICT (user_id, movie_id) DO UPDATE SET score = EXCLUDED.score, rated_at = EXCLUDED.rated_at;
UPDATE catalog_movie SET rating_count = rating_count + 1, rating_sum = rating_sum + :s * 0.5 WHERE id = :m;
COMMIT;
