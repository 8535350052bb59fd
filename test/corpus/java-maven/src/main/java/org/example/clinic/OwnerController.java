package org.example.clinic;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class OwnerController {
    @GetMapping("/owners")
    String owners() {
        return "[]";
    }
}
