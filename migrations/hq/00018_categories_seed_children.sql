-- +goose Up
INSERT INTO categories (parent_id, code, name, name_en, icon, sort, status, created_at, updated_at)
SELECT p.id, c.code, c.name, c.name_en, '', c.sort, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
FROM categories p JOIN (
 SELECT 'housekeeping' AS parent, 'daily_cleaning' AS code, '日常保洁' AS name, 'Daily cleaning' AS name_en, 1 AS sort
 UNION ALL SELECT 'housekeeping', 'deep_cleaning', '深度保洁', 'Deep cleaning', 2
 UNION ALL SELECT 'housekeeping', 'nanny', '保姆月嫂', 'Nanny', 3
 UNION ALL SELECT 'repair', 'ac_repair', '空调维修', 'Air conditioner repair', 1
 UNION ALL SELECT 'repair', 'washer_repair', '洗衣机维修', 'Washing machine repair', 2
 UNION ALL SELECT 'plumbing', 'pipe_unclog', '管道疏通', 'Pipe unclogging', 1
 UNION ALL SELECT 'plumbing', 'electrical', '水电安装', 'Electrical installation', 2
 UNION ALL SELECT 'nursing', 'elder_care', '老人陪护', 'Elder care', 1
 UNION ALL SELECT 'massage', 'foot_massage', '足疗按摩', 'Foot massage', 1
 UNION ALL SELECT 'massage', 'tuina', '中医推拿', 'Tuina', 2
 UNION ALL SELECT 'laundry', 'clothes_care', '衣物洗护', 'Clothes care', 1
 UNION ALL SELECT 'tutoring', 'k12_math', '中小学数学', 'K-12 maths', 1
 UNION ALL SELECT 'petcare', 'pet_grooming', '上门洗护美容', 'Pet grooming', 1
) c ON c.parent = p.code;
-- +goose Down
DELETE FROM categories WHERE parent_id <> 0;
