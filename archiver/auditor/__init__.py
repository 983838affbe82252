"""The auditor's side of the archive: completeness attestation (`verify`) and e-discovery export."""
