-- +goose Up
INSERT INTO categories (parent_id, code, name, name_en, icon, sort, status, created_at, updated_at) VALUES
 (0, 'housekeeping', '家政保洁', 'Housekeeping', 'broom', 10, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
 (0, 'repair', '家电维修', 'Appliance repair', 'wrench', 20, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
 (0, 'plumbing', '水电安装', 'Plumbing & electrical', 'pipe', 30, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
 (0, 'nursing', '健康护理', 'Nursing care', 'heart', 40, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
 (0, 'massage', '按摩推拿', 'Massage', 'hand', 50, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
 (0, 'laundry', '洗衣洗护', 'Laundry', 'shirt', 60, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
 (0, 'tutoring', '家教辅导', 'Tutoring', 'book', 70, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
 (0, 'petcare', '宠物服务', 'Pet care', 'paw', 80, 'active', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
-- +goose Down
DELETE FROM categories WHERE parent_id = 0;
