"""Reader studies: readers rate a case set without and with the AI's output; a multi-reader multi-case analysis
(Obuchowski-Rockette, Hillis ddf) compares their AUCs with CIs, and each reader gets private feedback.

    study = read_reader_study(path)    # reader, case_id, modality, score, label; fully crossed
    result = obuchowski_rockette(study, covariance="jackknife")   # result.to_json()
    reader_feedback(result, reader)
"""

from imaging_hub.assurance.readers.design import ReaderStudy, read_reader_study
from imaging_hub.assurance.readers.feedback import reader_feedback
from imaging_hub.assurance.readers.obuchowski_rockette import Covariances, MrmcResult, obuchowski_rockette

__all__ = ["Covariances", "MrmcResult", "ReaderStudy", "obuchowski_rockette", "read_reader_study", "reader_feedback"]
