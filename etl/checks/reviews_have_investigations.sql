-- Fails when a stored review names an investigation the warehouse does not hold.
SELECT s.review_id FROM supervision AS s ANTI JOIN investigations AS i USING (investigation_id)
