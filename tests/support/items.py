"""Items as the store wrote them in earlier versions: what a new version must still read."""

# A todo's item as the store wrote them before dueDate was declared.
ITEM_BEFORE_DUE_DATES = {
    "ownerId": {"S": "alice"},
    "todoId": {"S": "01a20fc8-3d99-7d70-9d88-dcfbbdd3913d"},
    "text": {"S": "older than due dates"},
    "checked": {"BOOL": True},
    "createdAt": {"S": "2026-11-24T22:58:30.937Z"},
    "updatedAt": {"S": "2026-11-24T22:58:30.937Z"},
    "version": {"N": "3"},
}
