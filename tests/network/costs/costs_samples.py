"""Sample inputs for the costs tests: a two-visit imaging study, two years of tariff, recorded activity."""

from __future__ import annotations

from pathlib import Path

TARIFF_2025 = """year,code,description,unit,price
2025/26,MRI-WB,Whole-body MRI,item,250.00
2025/26,CT-CHEST,CT chest with contrast,item,180
2025/26,LDCT,Low-dose CT chest,item,95.50
2025/26,CXR,Chest radiograph,item,40.00
2025/26,RAD-HOUR,Consultant radiologist hour,hour,90.00
2025/26,B6-HOUR,Band 6 research radiographer hour,hour,37.00
2025/26,XFER,Image transfer to the hub,item,5.25
"""

TARIFF_2024 = TARIFF_2025.replace("2025/26", "2024/25").replace("250.00", "240.00")

SCHEDULE = (
    "study,arm,visit,activity,kind,staff_role,minutes,tariff_code,patient_care,continues_after_study,"
    "standard_care,part_b_item,replaces_tariff_code,per_visit\n"
) + """WBM-1,mri,baseline,consent,consent,research radiographer,20,B6-HOUR,no,,no,investigator explanation,,
WBM-1,mri,baseline,whole-body MRI,scan,radiographer,45,MRI-WB,yes,yes,no,,CT-CHEST,
WBM-1,mri,baseline,research read,research_read,consultant radiologist,30,RAD-HOUR,no,,no,,,
WBM-1,mri,baseline,image transfer,data_transfer,data manager,0,XFER,no,no,no,,,
WBM-1,mri,baseline,extra low-dose CT,scan,radiographer,15,LDCT,yes,no,no,,,
WBM-1,mri,baseline,routine chest radiograph,scan,radiographer,10,CXR,yes,yes,yes,,,
WBM-1,mri,baseline,case report form,data_collection,research radiographer,15,B6-HOUR,no,,no,data_collection,,
WBM-1,mri,month-12,whole-body MRI,scan,radiographer,45,MRI-WB,yes,yes,no,,CT-CHEST,
WBM-1,mri,month-12,research read,research_read,consultant radiologist,30,RAD-HOUR,no,,no,,,2
"""

# Per baseline visit: Part B 12.33 + 9.25; Part A 45.00 + 5.25; Support 95.50; Treatment 250 + 40 (ETC 70).
# Per month-12 visit: Part A 2 x 45.00; Treatment 250 (ETC 70).
ACTIVITY = """site,month,study,arm,visit,count,activity
RGT,2025-04,WBM-1,mri,baseline,3,
RGT,2025-05,WBM-1,mri,baseline,1,
RGT,2025-05,WBM-1,mri,baseline,2,
RHM,2025-04,WBM-1,mri,baseline,1,
RHM,2025-05,WBM-1,mri,month-12,2,
RHM,2025-05,WBM-1,mri,baseline,1,research read
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path

