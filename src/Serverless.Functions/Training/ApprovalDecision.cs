namespace Serverless.Functions.Training;

/// <summary>The <c>approval</c> event: the body of <c>POST /api/training/{id}/approve</c>.</summary>
/// <param name="Approved">True to move <c>production</c> to the candidate, false to reject it.</param>
public sealed record ApprovalDecision(bool Approved);
