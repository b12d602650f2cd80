-- How well a report's tone ranks reports by their official grades: per judgement area, the
-- Spearman correlation across reports between the grade and the mean sentiment score of the
-- report's sentences on that area's themes (overall effectiveness: all its findings).
-- The two narrower areas read only their subject's findings: adoption, and the safeguarding
-- board. Ties take their average rank. `reports` counts reports with both a grade and a tone.
WITH area_themes(area, theme, words) AS (VALUES
    ('impact_of_leaders', 'leadership', NULL), ('lscb', 'leadership', '(?i)\b(lscb|safeguarding (children )?board|board)\b'),
    ('help_and_protection', 'front_door', NULL), ('help_and_protection', 'early_help', NULL),
    ('help_and_protection', 'child_protection', NULL), ('children_in_care', 'children_in_care', NULL),
    ('adoption_performance', 'children_in_care', '(?i)adopt'), ('care_leavers', 'care_leavers', NULL)),
tone AS (
    SELECT document_id, 'overall_effectiveness' AS area, avg(sentiment_score) AS tone
    FROM findings WHERE NOT boilerplate GROUP BY ALL
    UNION ALL
    SELECT f.document_id, a.area, avg(f.sentiment_score)
    FROM findings f JOIN area_themes a
      ON list_contains(f.themes, a.theme) AND (a.words IS NULL OR regexp_matches(f.text, a.words))
    WHERE NOT f.boilerplate GROUP BY f.document_id, a.area),
graded AS (
    SELECT t.area, t.tone,
           CASE j.grade WHEN 'outstanding' THEN 4 WHEN 'good' THEN 3 WHEN 'adequate' THEN 2
                        WHEN 'requires improvement' THEN 2 WHEN 'inadequate' THEN 1 END AS grade
    FROM tone t JOIN judgements j USING (document_id, area)),
ranked AS (
    SELECT area,
           rank() OVER (PARTITION BY area ORDER BY tone) + (count(*) OVER (PARTITION BY area, tone) - 1) / 2 AS tone_rank,
           rank() OVER (PARTITION BY area ORDER BY grade) + (count(*) OVER (PARTITION BY area, grade) - 1) / 2 AS grade_rank
    FROM graded)
SELECT area, count(*) AS reports, round(corr(tone_rank, grade_rank), 3) AS rho
FROM ranked GROUP BY area ORDER BY area
